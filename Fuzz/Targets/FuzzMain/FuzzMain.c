// SwiftPM links every executable with `--defsym main=<module>_main` (so tests can import executables), which
// hides libFuzzer's own main(). Each fuzz target's <module>_main is defined here and starts libFuzzer's driver
// with the target's LLVMFuzzerTestOneInput (each executable defines exactly one).
#include <stddef.h>
#include <stdint.h>
#include "FuzzMain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

static int run(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }

int fuzz_cms_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_certificate_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_crl_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_ocsp_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_pkcs12_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_asic_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_multipart_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_card_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_vault_json_main(int argc, char **argv) { return run(argc, argv); }
int fuzz_main_placeholder(void) { return 0; }
