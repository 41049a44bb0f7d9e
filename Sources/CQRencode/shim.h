// libqrencode (Debian: libqrencode-dev) draws the QR code of a proof page's own URL.
#include <qrencode.h>
