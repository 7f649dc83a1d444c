/*
 * FPDF_GetPageLabel that finds no label. ocrloom binds PDFium through this
 * small library, which links to libpdfium.so: PDFium's symbols resolve to
 * PDFium, this one to the function below. pdfium-render reads the label of
 * every page it loads, and PDFium walks a page-label tree without a depth
 * limit or a loop check: a crafted tree overflows its stack or runs for
 * hours (fixtures/malformed/fuzz-*.pdf). ocrloom never shows labels.
 */
unsigned long FPDF_GetPageLabel(void *document, int page_index, void *buffer,
                                unsigned long buflen) {
  (void)document;
  (void)page_index;
  (void)buffer;
  (void)buflen;
  return 0;
}
