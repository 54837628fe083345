"""Letters: numbering, text, HTML, PDF with a QR code, the freeze."""
