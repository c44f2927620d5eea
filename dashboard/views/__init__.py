"""The researcher's pages, one module per family. Each goes through ``dashboard.access`` for
who may see what, builds what it shows from the modules below, and never imports another
page's module: what two families share lives in ``dashboard.pages``."""
