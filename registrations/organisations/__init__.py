"""Duplicate organisations: finding likely duplicates within an economy (`queries`), merging
them into one (`services`), and the organisers' screens for both (`views`, `forms`, `urls`)."""
