package armo_builtins

import rego.v1

# securityContext.procMount matters only where the API server runs with the
# ProcMountType feature gate enabled; only then can a pod ask for an Unmasked
# /proc. The rule therefore reports nothing unless a ControlPlaneInfo host
# scan shows --feature-gates with ProcMountType=true, and then it fails every
# container that does not state procMount: Default.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	proc_mount_gate_enabled(input)
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	not container.securityContext.procMount == "Default"

	msga := {
		"alertMessage": sprintf("%v %v: container %v does not set securityContext.procMount to Default while the ProcMountType feature gate is enabled", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"fixPaths": [{"path": sprintf("%s.containers[%d].securityContext.procMount", [pod.path, i]), "value": "Default"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

proc_mount_gate_enabled(objects) if {
	some obj in objects
	obj.apiVersion == "hostdata.kubescape.cloud/v1beta0"
	obj.kind == "ControlPlaneInfo"
	args := regex.split(`\s+`, obj.data.APIServerInfo.cmdLine)
	some gates in feature_gate_values(args)
	some gate in split(gates, ",")
	gate_on(gate, "ProcMountType")
}

# Values of --feature-gates, written either as --feature-gates=X or as
# --feature-gates X.
feature_gate_values(args) := array.concat(
	[substring(arg, 16, -1) | some arg in args; startswith(arg, "--feature-gates=")],
	[args[k + 1] | some k, arg in args; arg == "--feature-gates"; k + 1 < count(args)],
)

# gate_on("Name=true", "Name"); boolean spellings as Go's strconv.ParseBool.
gate_on(gate, name) if {
	parts := split(trim_space(gate), "=")
	count(parts) == 2
	trim_space(parts[0]) == name
	lower(trim_space(parts[1])) in {"true", "t", "1"}
}

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
