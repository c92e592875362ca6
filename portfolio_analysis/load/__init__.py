"""Loading and validation: files sniffed and read, cells parsed, the register, contacts and invoice lines."""
