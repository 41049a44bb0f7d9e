// Entry points for the fuzz executables (see FuzzMain.c).
int fuzz_main_placeholder(void);
