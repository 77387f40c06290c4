#pragma once
// TEST ONLY (header-only): one realistic zone file, read by the zone-file reader's own
// tests and by the callers' tests (import), so both sides pin the same input. Tests
// check line numbers against it: append, do not reflow.
namespace mcns::zonefile::testing {

// Comments, $ORIGIN (absolute, then relative) and $TTL, a multi-line SOA, an owner in
// upper case, a per-record TTL, a blank line, a wildcard and a TXT of two strings.
// Records start on lines 4 (SOA), 10, 11, 12, 13, 14, 15, 16, 18 and 20.
inline constexpr const char* kSampleZone = R"(; example zone
$ORIGIN example.com.
$TTL 3600
@       IN SOA ns1.example.com. Admin.Example.com. (
                2024010105 ; serial
                7200       ; refresh
                900        ; retry
                1209600    ; expire
                60 )       ; minimum
        IN NS  ns1
ns1     IN A   192.0.2.1
WWW  300 IN A  192.0.2.10
www     IN AAAA 2001:DB8::10
alias   IN CNAME www
@       IN MX  10 mail.example.com.
txt     IN TXT "hello world" "second"

*.dev   IN A   192.0.2.20
$ORIGIN sub
host    IN A   192.0.2.30
; trailing comment
)";

}  // namespace mcns::zonefile::testing
