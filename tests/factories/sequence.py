"""One counter for the factories' made-up names and addresses (person1@…, "Digital project 2"), shared by
users and nominations so that each gets a number of its own in a test run."""

import itertools

counter = itertools.count(1)
