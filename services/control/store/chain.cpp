#include "services/control/store/chain.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <random>

namespace mcns::control::store {
namespace {

void put_be64(unsigned char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<unsigned char>(v & 0xff);
}

}  // namespace

std::uint64_t next_chain(std::uint64_t prev, std::uint64_t version, std::string_view payload) {
  std::array<unsigned char, 16> head{};
  put_be64(head.data(), prev);
  put_be64(head.data() + 8, version);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, head.data(), head.size());
  EVP_DigestUpdate(ctx, payload.data(), payload.size());
  EVP_DigestFinal_ex(ctx, digest.data(), &len);
  EVP_MD_CTX_free(ctx);
  std::uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | digest[static_cast<std::size_t>(i)];
  return out;
}

std::uint64_t random_genesis() {
  std::uint64_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
    std::random_device rd;
    v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  return v;
}

}  // namespace mcns::control::store
