package armo_builtins

import rego.v1

# A node whose kubelet is not on a Kubernetes minor release that still
# receives patch releases runs without security fixes.

deny contains msga if {
	node := input[_]
	node.kind == "Node"
	version := node.status.nodeInfo.kubeletVersion
	not supported(version)

	msga := {
		"alertMessage": sprintf("Node '%s' runs kubelet %v, which is not a supported Kubernetes minor release", [object.get(node, ["metadata", "name"], ""), version]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": ["status.nodeInfo.kubeletVersion"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [node]},
	}
}

# The Kubernetes project patches the three newest minor releases
# (https://kubernetes.io/releases/). supported_minors must list exactly
# those: when a new minor release ships (about three times a year), add it
# and drop the oldest, and adjust the test cases. This list is the one the
# upstream control library carried on 2026-08-21.
supported(version) if {
	supported_minors := ["1.36", "1.35", "1.34"]
	parts := regex.find_all_string_submatch_n(`^v?([0-9]+)\.([0-9]+)(?:[.+-]|$)`, version, 1)[0]
	concat(".", [parts[1], parts[2]]) in supported_minors
}
