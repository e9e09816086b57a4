"""The file side of imports, in plain Python (no Django, no project app): the connectors' parsers
(errors by file, line and column), the staged tables' contract, the Parquet staging store, the
connectors' registry and the demo generator. The Django side that records and runs imports is
`capsante.imports`; the indicator engine reads what is staged here through the contract alone.
"""
