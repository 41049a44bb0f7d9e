// What the document card needs from qpdf (Debian: libqpdf-dev) that libharu cannot do: document-level embedded files
// with UTF-16 names in a chosen order, a PDF original's pages imported under a watermark, and reading a card back.
// Every function catches qpdf's exceptions and returns a message instead: nothing C++ crosses into Swift.
#ifndef CCARDPDF_H
#define CCARDPDF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One attachment to embed. Strings are UTF-8 and NUL-terminated.
typedef struct {
    /// The key in /Names/EmbeddedFiles: name trees are sorted by key, so keys fix the order readers list.
    const char *key;
    /// The file name (/UF, written as UTF-16 when not ASCII) and its ASCII fallback (/F).
    const char *file_name;
    const char *ascii_name;
    const char *description;
    /// The MIME type, written as the embedded file stream's /Subtype.
    const char *mime_type;
    const unsigned char *bytes;
    size_t length;
} ccard_attachment;

/// The number of pages of a PDF, or -1 with `*error` set (free it with ccard_free).
long ccard_page_count(const unsigned char *pdf, size_t length, char **error);

/// Builds the card from the pages libharu drew (`pages_pdf`):
/// - when `original_pdf` is given, its pages are inserted after page `insert_after` (0-based count of pages before
///   them) and page `watermark_page` of `pages_pdf` (which is then removed) is laid over each of them;
/// - the attachments are embedded in that order (their keys must sort in it);
/// - `title` becomes /Info /Title and `manifest` the /Info key /EDSVaultCard.
/// Returns 0 and a malloc'd `*out` (free with ccard_free), or -1 with `*error`.
int ccard_assemble(
    const unsigned char *pages_pdf, size_t pages_length,
    const unsigned char *original_pdf, size_t original_length, long insert_after, long watermark_page,
    const ccard_attachment *attachments, size_t attachment_count,
    const char *title, const char *manifest,
    unsigned char **out, size_t *out_length, char **error);

/// A card opened for reading.
typedef struct ccard_reader ccard_reader;

/// Opens a PDF and reads its embedded files in name-tree order, refusing more than `max_count` of them (counted before
/// any is decoded), more than `max_bytes` in all once decoded, an attachment after the first (a signature) over
/// `max_signature_bytes`, two file specifications sharing one stream, or more than `max_seconds` of reading. Each
/// stream is decoded twice: first only counted (no memory), then into a buffer of exactly that size. NULL with
/// `*error` on failure.
ccard_reader *ccard_open(
    const unsigned char *pdf, size_t length, size_t max_count, size_t max_bytes, size_t max_signature_bytes, double max_seconds,
    char **error);
/// Frees one attachment's bytes once the caller has copied them.
void ccard_attachment_release(ccard_reader *reader, size_t index);
size_t ccard_attachment_count(const ccard_reader *reader);
const char *ccard_attachment_key(const ccard_reader *reader, size_t index);
const char *ccard_attachment_name(const ccard_reader *reader, size_t index);
const char *ccard_attachment_description(const ccard_reader *reader, size_t index);
const unsigned char *ccard_attachment_bytes(const ccard_reader *reader, size_t index, size_t *length);
/// The /Info /EDSVaultCard manifest (UTF-8), or NULL when the PDF has none.
const char *ccard_manifest(const ccard_reader *reader);
long ccard_reader_page_count(const ccard_reader *reader);
void ccard_close(ccard_reader *reader);

void ccard_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
