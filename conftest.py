# Every suite (conformance/, faults/, pcap/) runs with the osnet harness plugin.
pytest_plugins = ["osnet_harness.plugin"]
