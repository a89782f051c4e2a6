"""The performance benchmark of issue 6: data generator, measurements, peer comparison.

It lives in the source checkout, beside `closeloop`, and is not installed with the product:
`closeloop bench` (or `python -m benchmarks`) runs it from a checkout."""
