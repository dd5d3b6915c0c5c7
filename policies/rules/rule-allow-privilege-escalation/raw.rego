package armo_builtins

import rego.v1

# allowPrivilegeEscalation defaults to true: unless a container sets it to
# false, a setuid binary (or file capabilities) inside the image can raise the
# process's privileges. A PodSecurityPolicy in the input that forbids
# escalation counts as a mitigation only if every PodSecurityPolicy does.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	# Decided once, before the containers are visited.
	not escalation_blocked_by_psp(input)

	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	not container.securityContext.allowPrivilegeEscalation == false
	sc_path := sprintf("%s.containers[%d].securityContext", [pod.path, i])

	msga := {
		"alertMessage": sprintf("%v %v: container %v allows privilege escalation (securityContext.allowPrivilegeEscalation is not false)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"fixPaths": [
			{"path": sprintf("%s.allowPrivilegeEscalation", [sc_path]), "value": "false"},
			{"path": sprintf("%s.privileged", [sc_path]), "value": "false"},
		],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# Escalation is blocked cluster-wide when PodSecurityPolicies are present and
# none of them allows it.
escalation_blocked_by_psp(objects) if {
	psps := [psp | some psp in objects; psp.kind == "PodSecurityPolicy"]
	count(psps) > 0
	every psp in psps {
		psp.spec.allowPrivilegeEscalation == false
	}
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
