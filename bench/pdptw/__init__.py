"""Public PDPTW benchmarks (Li & Lim, Sartori & Buriol) solved by ltrako's routing search,
VROOM and PyVRP side by side, every solution checked independently in full precision."""
