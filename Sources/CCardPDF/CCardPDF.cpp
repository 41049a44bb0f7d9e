// qpdf's C++ helpers behind a C interface for EDSCard. Each entry point catches every exception: Swift sees a message.
// qpdf 11: use std::shared_ptr throughout, without PointerHolder transition warnings.
#define POINTERHOLDER_TRANSITION 4

#include "CCardPDF.h"

#include <qpdf/Buffer.hh>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFEFStreamObjectHelper.hh>
#include <qpdf/QPDFEmbeddedFileDocumentHelper.hh>
#include <qpdf/QPDFFileSpecObjectHelper.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

char *copy_string(std::string const &text) {
    char *copy = static_cast<char *>(std::malloc(text.size() + 1));
    if (copy != nullptr) {
        std::memcpy(copy, text.data(), text.size());
        copy[text.size()] = '\0';
    }
    return copy;
}

void set_error(char **error, std::string const &message) {
    if (error != nullptr) *error = copy_string(message);
}

/// Opens bytes already in memory; qpdf keeps a pointer to them, so they must outlive the QPDF.
void open_memory(QPDF &pdf, char const *description, unsigned char const *bytes, size_t length) {
    pdf.setSuppressWarnings(true);
    pdf.setAttemptRecovery(false);
    pdf.processMemoryFile(description, reinterpret_cast<char const *>(bytes), length);
}

using Clock = std::chrono::steady_clock;

/// Counts a stream's decoded bytes without keeping any, refusing more than a limit or past a deadline: a small
/// compressed stream (or a chain of filters) can inflate to gigabytes, and this pass costs no memory to find out.
class CountingSink : public Pipeline {
  public:
    CountingSink(size_t limit, Clock::time_point deadline) : Pipeline("counting sink", nullptr), limit(limit), deadline(deadline) {}
    void write(unsigned char const *, size_t length) override {
        if (length > limit - count) failure = "the embedded files are larger than the limit";
        else if (Clock::now() > deadline) failure = "reading the embedded files took longer than the limit";
        // qpdf turns an exception from a pipeline into "cannot be decoded": the reason is kept for the caller.
        if (!failure.empty()) throw std::length_error(failure);
        count += length;
    }
    void finish() override {}
    size_t count = 0;
    std::string failure;

  private:
    size_t limit;
    Clock::time_point deadline;
};

/// Collects a stream's decoded bytes into a buffer reserved for exactly the size the counting pass found: no growth
/// by doubling (which made a 512 MiB limit cost 1 GB), and a stream that decodes longer the second time is refused.
class ExactBuffer : public Pipeline {
  public:
    ExactBuffer(size_t size) : Pipeline("exact buffer", nullptr), size(size) { bytes.reserve(size); }
    void write(unsigned char const *data, size_t length) override {
        if (length > size - bytes.size()) throw std::length_error("an embedded file decoded to more bytes than before");
        bytes.insert(bytes.end(), data, data + length);
    }
    void finish() override {}
    std::vector<unsigned char> bytes;

  private:
    size_t size;
};

}  // namespace

struct ccard_reader {
    struct Attachment {
        std::string key, name, description;
        std::vector<unsigned char> bytes;
    };
    std::vector<Attachment> attachments;
    bool has_manifest = false;
    std::string manifest;
    long pages = 0;
};

extern "C" {

long ccard_page_count(unsigned char const *pdf_bytes, size_t length, char **error) {
    try {
        QPDF pdf;
        open_memory(pdf, "original", pdf_bytes, length);
        if (pdf.isEncrypted()) throw std::runtime_error("the PDF is encrypted");
        return static_cast<long>(QPDFPageDocumentHelper(pdf).getAllPages().size());
    } catch (std::exception const &exception) {
        set_error(error, exception.what());
        return -1;
    }
}

int ccard_assemble(
    unsigned char const *pages_pdf, size_t pages_length, unsigned char const *original_pdf, size_t original_length,
    long insert_after, long watermark_page, ccard_attachment const *attachments, size_t attachment_count,
    char const *title, char const *manifest, unsigned char **out, size_t *out_length, char **error) {
    try {
        QPDF card;
        open_memory(card, "card pages", pages_pdf, pages_length);
        QPDFPageDocumentHelper card_pages(card);
        // Declared here so the original outlives the writer: copied objects are read from it when written.
        QPDF original;
        if (original_pdf != nullptr) {
            open_memory(original, "original", original_pdf, original_length);
            if (original.isEncrypted()) throw std::runtime_error("the PDF original is encrypted");
            std::vector<QPDFPageObjectHelper> pages = card_pages.getAllPages();
            if (watermark_page < 0 || static_cast<size_t>(watermark_page) >= pages.size() || insert_after < 1 ||
                static_cast<size_t>(insert_after) > pages.size()) {
                throw std::runtime_error("card page layout out of range");
            }
            QPDFPageObjectHelper watermark = pages[static_cast<size_t>(watermark_page)];
            QPDFObjectHandle watermark_form = watermark.getFormXObjectForPage();
            card_pages.removePage(watermark);
            QPDFPageObjectHelper reference = pages[static_cast<size_t>(insert_after - 1)];
            for (QPDFPageObjectHelper &page : QPDFPageDocumentHelper(original).getAllPages()) {
                card_pages.addPageAt(page, false, reference);
                // addPageAt copies a foreign page: the copy is the page now after `reference`.
                std::vector<QPDFPageObjectHelper> now = card_pages.getAllPages();
                size_t position = 0;
                while (position < now.size() && now[position].getObjectHandle().getObjGen() !=
                                                    reference.getObjectHandle().getObjGen()) {
                    ++position;
                }
                QPDFPageObjectHelper copy = now.at(position + 1);
                // The original's content is wrapped in q/Q so its graphics state cannot leak into the watermark.
                QPDFObjectHandle resources = copy.getAttribute("/Resources", true);
                if (!resources.isDictionary()) {
                    resources = QPDFObjectHandle::newDictionary();
                    copy.getObjectHandle().replaceKey("/Resources", resources);
                }
                if (!resources.getKey("/XObject").isDictionary()) {
                    resources.replaceKey("/XObject", QPDFObjectHandle::newDictionary());
                }
                int suffix = 0;
                std::string name = resources.getUniqueResourceName("/EDSWatermark", suffix);
                resources.getKey("/XObject").replaceKey(name, watermark_form);
                std::string placement =
                    copy.placeFormXObject(watermark_form, name, copy.getTrimBox().getArrayAsRectangle(), true, true, true);
                copy.addPageContents(QPDFObjectHandle::newStream(&card, "q\n"), true);
                copy.addPageContents(QPDFObjectHandle::newStream(&card, "\nQ\n" + placement), false);
                reference = copy;
            }
        }

        QPDFEmbeddedFileDocumentHelper embedded(card);
        for (size_t index = 0; index < attachment_count; ++index) {
            ccard_attachment const &attachment = attachments[index];
            std::string data(reinterpret_cast<char const *>(attachment.bytes), attachment.length);
            QPDFEFStreamObjectHelper stream = QPDFEFStreamObjectHelper::createEFStream(card, data);
            stream.setSubtype(attachment.mime_type);
            QPDFFileSpecObjectHelper spec = QPDFFileSpecObjectHelper::createFileSpec(card, attachment.ascii_name, stream);
            spec.setFilename(attachment.file_name, attachment.ascii_name);
            spec.setDescription(attachment.description);
            embedded.replaceEmbeddedFile(attachment.key, spec);
        }
        // Readers open the attachments panel first: the attachments are what holds.
        card.getRoot().replaceKey("/PageMode", QPDFObjectHandle::newName("/UseAttachments"));

        QPDFObjectHandle trailer = card.getTrailer();
        QPDFObjectHandle info = trailer.getKey("/Info");
        if (!info.isDictionary()) {
            info = card.makeIndirectObject(QPDFObjectHandle::newDictionary());
            trailer.replaceKey("/Info", info);
        }
        info.replaceKey("/Title", QPDFObjectHandle::newUnicodeString(title));
        info.replaceKey("/EDSVaultCard", QPDFObjectHandle::newUnicodeString(manifest));

        QPDFWriter writer(card);
        writer.setOutputMemory();
        writer.setDeterministicID(true);
        writer.write();
        Buffer *buffer = writer.getBuffer();
        unsigned char *copy = static_cast<unsigned char *>(std::malloc(buffer->getSize()));
        if (copy == nullptr) throw std::bad_alloc();
        std::memcpy(copy, buffer->getBuffer(), buffer->getSize());
        *out = copy;
        *out_length = buffer->getSize();
        delete buffer;
        return 0;
    } catch (std::exception const &exception) {
        set_error(error, exception.what());
        return -1;
    }
}

ccard_reader *ccard_open(
    unsigned char const *pdf_bytes, size_t length, size_t max_count, size_t max_bytes, size_t max_signature_bytes, double max_seconds,
    char **error) {
    try {
        auto const deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
        auto reader = std::make_unique<ccard_reader>();
        QPDF pdf;
        open_memory(pdf, "card", pdf_bytes, length);
        reader->pages = static_cast<long>(QPDFPageDocumentHelper(pdf).getAllPages().size());
        QPDFEmbeddedFileDocumentHelper embedded(pdf);
        auto const files = embedded.getEmbeddedFiles();
        // Counted before a byte is decoded: 500 embedded files are refused as such, not after decoding 201 of them.
        if (files.size() > max_count) throw std::length_error("too many embedded files (" + std::to_string(files.size()) + ")");
        size_t budget = max_bytes;
        std::set<QPDFObjGen> streams;
        // The name tree in key order: the order `pdfdetach -list` and every reader show.
        for (auto const &[key, spec] : files) {
            if (Clock::now() > deadline) throw std::runtime_error("reading the embedded files took longer than the limit");
            ccard_reader::Attachment attachment;
            attachment.key = key;
            attachment.name = spec->getFilename();
            attachment.description = spec->getDescription();
            QPDFObjectHandle stream = spec->getEmbeddedFileStream();
            if (!stream.isStream()) throw std::runtime_error("embedded file " + key + " has no file stream");
            // A card gives every attachment its own stream. Many file specifications naming one stream would have it
            // decoded (and validated) once per name: refused before any is decoded twice.
            if (!streams.insert(stream.getObjGen()).second) {
                throw std::runtime_error("embedded file " + key + " shares its file stream with another: not a card");
            }
            // The first attachment is the document; every other one a detached signature, far smaller.
            size_t const limit = reader->attachments.empty() ? budget : std::min(budget, max_signature_bytes);
            CountingSink counter(limit, deadline);
            if (!stream.pipeStreamData(&counter, 0, qpdf_dl_all)) {
                throw std::runtime_error("embedded file " + key + (counter.failure.empty() ? " cannot be decoded" : ": " + counter.failure));
            }
            ExactBuffer buffer(counter.count);
            if (!stream.pipeStreamData(&buffer, 0, qpdf_dl_all)) throw std::runtime_error("embedded file " + key + " cannot be decoded");
            budget -= buffer.bytes.size();
            attachment.bytes = std::move(buffer.bytes);
            reader->attachments.push_back(std::move(attachment));
        }
        QPDFObjectHandle info = pdf.getTrailer().getKey("/Info");
        if (info.isDictionary() && info.getKey("/EDSVaultCard").isString()) {
            reader->has_manifest = true;
            reader->manifest = info.getKey("/EDSVaultCard").getUTF8Value();
        }
        return reader.release();
    } catch (std::exception const &exception) {
        set_error(error, exception.what());
        return nullptr;
    }
}

void ccard_attachment_release(ccard_reader *reader, size_t index) {
    if (index < reader->attachments.size()) std::vector<unsigned char>().swap(reader->attachments[index].bytes);
}

size_t ccard_attachment_count(ccard_reader const *reader) { return reader->attachments.size(); }

char const *ccard_attachment_key(ccard_reader const *reader, size_t index) {
    return reader->attachments.at(index).key.c_str();
}

char const *ccard_attachment_name(ccard_reader const *reader, size_t index) {
    return reader->attachments.at(index).name.c_str();
}

char const *ccard_attachment_description(ccard_reader const *reader, size_t index) {
    return reader->attachments.at(index).description.c_str();
}

unsigned char const *ccard_attachment_bytes(ccard_reader const *reader, size_t index, size_t *length) {
    auto const &bytes = reader->attachments.at(index).bytes;
    *length = bytes.size();
    return bytes.data();
}

char const *ccard_manifest(ccard_reader const *reader) {
    return reader->has_manifest ? reader->manifest.c_str() : nullptr;
}

long ccard_reader_page_count(ccard_reader const *reader) { return reader->pages; }

void ccard_close(ccard_reader *reader) { delete reader; }

void ccard_free(void *pointer) { std::free(pointer); }
}
