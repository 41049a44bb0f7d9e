// libharu (Debian: libhpdf-dev) draws the document card's own pages: text in an embedded TrueType font, QR modules.
#include <hpdf.h>
