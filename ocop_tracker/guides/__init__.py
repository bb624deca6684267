"""How-to sheets ("Hướng dẫn"): one per marketplace step, shop prerequisite and
e-payment kind, written as data (YAML), printed as A4/A5 PDFs."""
