"""Assigning judges to nominations, in four parts:

- problem: the inputs of one judging round read from the database (``load_problem``): the judges
  on its panel, its entries, expertise, conflicts of interest (whatever round they were found in)
  and the round's assignments that exist;
- solver: the best assignment as a min-cost flow (``solve``: build the network, price its arcs,
  solve it, read the solution back), and writing it (``apply``, ``fill_gaps``);
- explanation: what a proposed or current assignment means to an organiser: who each nomination
  got and how well they match, each judge's load, and why places stay empty (shortfalls, gaps);
- manual: an organiser's edits by hand: add a judge to a nomination, remove an assignment, lock it.
"""
