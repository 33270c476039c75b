// lcr index: filled in below.
