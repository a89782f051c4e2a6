"""The performance benchmark of issue 6: data generator, measurements, peer comparison."""
