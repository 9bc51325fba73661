package io.fathom.tools.visit;

import java.io.IOException;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * The text of a PDF, extracted with PDFBox. Password-protected PDFs, PDFs whose permissions forbid
 * extracting text, broken PDFs and PDFs cut off at the size limit are failures that say which.
 * Blocking and CPU-heavy.
 */
final class PdfText {

  private PdfText() {}

  static ReadableText extract(FetchedBody body, long maxBytes) {
    String url = body.url().toString();
    if (body.truncated()) {
      throw new VisitException(
          "too_large", "the PDF at " + url + " is larger than " + maxBytes + " bytes, the most visit reads");
    }
    try (PDDocument document = Loader.loadPDF(body.bytes())) {
      if (document.isEncrypted() && !document.getCurrentAccessPermission().canExtractContent()) {
        throw new VisitException(
            "pdf_encrypted", "the PDF at " + url + " is encrypted and its permissions forbid extracting its text");
      }
      String text = new PDFTextStripper().getText(document);
      String title = document.getDocumentInformation().getTitle();
      title = title == null || title.isBlank() ? null : title.strip();
      return new ReadableText(title, url, TextPages.tidy(text), null);
    } catch (InvalidPasswordException e) {
      throw new VisitException(
          "pdf_encrypted", "the PDF at " + url + " is protected by a password; visit cannot read it");
    } catch (IOException | RuntimeException e) {
      if (e instanceof VisitException v) {
        throw v;
      }
      throw new VisitException("pdf_unreadable", "the PDF at " + url + " cannot be read: " + e.getMessage());
    }
  }
}
