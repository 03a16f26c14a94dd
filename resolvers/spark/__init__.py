"""The batch resolution pass on Spark: the in-process engine's spec, comparators and model.

Blocking runs as Spark joins and comparisons as Arrow batches calling the very comparator
functions of :mod:`resolvers.comparators`; fitting, scoring and clustering then run the code of
:mod:`resolvers.linking.engine` on the driver (see :mod:`resolvers.spark.engine` for what is
collected and why). ``pyspark`` is the optional extra ``spark``: this package and
:mod:`resolvers.spark.session` import without it; :func:`resolvers.spark.session.start_session`
says clearly what is missing, and only then are the modules that import pyspark loaded.
"""
