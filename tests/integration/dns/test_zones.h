#pragma once
// Zone files the DNS integration tests serve.
#include <string>

namespace mcns::test::dns {

inline std::string example_zone() {
  std::string big;
  for (int i = 0; i < 4; ++i) big += "big IN TXT \"" + std::string(200, static_cast<char>('a' + i)) + "\"\n";
  return "$ORIGIN example.com.\n"
         "$TTL 300\n"
         "@     IN SOA ns1 hostmaster 2024010101 3600 600 86400 60\n"
         "@     IN NS  ns1\n"
         "ns1   IN A   192.0.2.1\n"
         "www   IN A   192.0.2.10\n"
         "www   IN AAAA 2001:db8::10\n"
         "web   IN CNAME www\n"
         "loop1 IN CNAME loop2\n"
         "loop2 IN CNAME loop1\n"
         "a.b.c IN A   192.0.2.3\n"
         "@     IN MX  10 mail\n"
         "mail  IN A   192.0.2.25\n" +
         big;
}

// The platform's seed zone, as mcns-control would hold it.
inline std::string svc_zone() {
  return "$ORIGIN svc.mcp.metacircular.net.\n"
         "$TTL 300\n"
         "@ IN SOA ns.mcp.metacircular.net. admin.metacircular.net. 2024010101 3600 600 86400 300\n"
         "@ IN NS ns.mcp.metacircular.net.\n"
         "metacrypt IN A 192.168.88.181\n"
         "metacrypt IN A 100.95.252.120\n"
         "mcr IN A 192.168.88.181\n"
         "mcr IN A 100.95.252.120\n";
}

}  // namespace mcns::test::dns
