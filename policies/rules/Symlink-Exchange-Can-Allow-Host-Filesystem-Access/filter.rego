package armo_builtins

import rego.v1

# Resources this control is about: every Pod and workload, but only when the
# input holds a Node whose kubelet is vulnerable to CVE-2021-25741. Without
# one, the control has nothing to evaluate.

deny contains msga if {
	# Checked once, before the workloads are visited.
	vulnerable_node_present(input)
	obj := input[_]
	pod_spec(obj)

	msga := {
		"alertMessage": "",
		"packagename": "armo_builtins",
		"failedPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

vulnerable_node_present(objs) if {
	some node in objs
	vulnerable_node(node)
}

# CVE-2021-25741 is fixed in kubelet v1.19.15, v1.20.11, v1.21.5 and v1.22.2;
# every older v1 release is affected. Versions are compared numerically.
vulnerable_node(obj) if {
	obj.kind == "Node"
	parts := regex.find_all_string_submatch_n(`^v?(\d+)\.(\d+)\.(\d+)`, obj.status.nodeInfo.kubeletVersion, 1)
	count(parts) == 1
	to_number(parts[0][1]) == 1
	vulnerable_release(to_number(parts[0][2]), to_number(parts[0][3]))
}

vulnerable_release(minor, _) if minor < 19

vulnerable_release(19, patch) if patch < 15

vulnerable_release(20, patch) if patch < 11

vulnerable_release(21, patch) if patch < 5

vulnerable_release(22, patch) if patch < 2

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
