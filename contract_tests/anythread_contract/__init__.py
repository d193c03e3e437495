"""The anythread contract suite: one test per clause of the threading spec."""
