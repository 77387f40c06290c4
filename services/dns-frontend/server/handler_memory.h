#pragma once
// Fixed per-connection memory for Asio completion handlers (Asio's "allocation" example).
#include <cstddef>
#include <new>
#include <utility>

namespace mcns::frontend::server {

// Per-connection memory for Asio's operation objects (Asio's "allocation" example): a TCP
// connection has at most one read and one write in flight, and Boost 1.74's thread-local
// recycling keeps only one block, so without this every query would cost a malloc.
class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;
  void* allocate(std::size_t n) {
    if (!in_use_ && n <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(n);
  }
  void deallocate(void* p) noexcept {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[1024];
  bool in_use_ = false;
};

template <typename T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& m) noexcept : memory_(&m) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(std::size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t) noexcept { memory_->deallocate(p); }
  template <typename U>
  bool operator==(const HandlerAllocator<U>& o) const noexcept { return memory_ == o.memory_; }
  template <typename U>
  bool operator!=(const HandlerAllocator<U>& o) const noexcept { return memory_ != o.memory_; }

 private:
  template <typename>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

// A completion handler whose associated allocator is a HandlerMemory.
template <typename Handler>
class MemoryHandler {
 public:
  using allocator_type = HandlerAllocator<Handler>;
  MemoryHandler(HandlerMemory& m, Handler h) : memory_(m), handler_(std::move(h)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(memory_); }
  template <typename... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory& memory_;
  Handler handler_;
};

template <typename Handler>
MemoryHandler<Handler> with_memory(HandlerMemory& m, Handler h) {
  return MemoryHandler<Handler>(m, std::move(h));
}

}  // namespace mcns::frontend::server
