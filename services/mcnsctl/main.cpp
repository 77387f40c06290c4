// mcnsctl: the operator's command line over the gRPC API (SPEC 15). Everything is in
// the library (commands.cpp); this only runs it.
#include "services/mcnsctl/mcnsctl.h"

int main(int argc, char** argv) { return mcns::mcnsctl::run(argc, argv); }
