"""Submissions fed by the portal (mémoires, TIC/TICGN refunds, invoices…) and their status."""
