package armo_builtins

import rego.v1

# Whether a pod gets its service account token mounted is decided by
# spec.automountServiceAccountToken when it is set, and otherwise by the
# automountServiceAccountToken of the ServiceAccount it runs as (mounted
# unless that says false). The ServiceAccount is looked up in the input by
# name (serviceAccountName, else the deprecated serviceAccount, else
# "default") and namespace; when it is not in the input, Kubernetes' default
# applies and the token is mounted. ServiceAccounts themselves are inputs
# only; they are never reported.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	# The [namespace, name] of every ServiceAccount of the input, and of those
	# that do not opt out of token mounting: collected once, before the
	# workloads are visited.
	accounts := {account_key(sa) | some sa in input; sa.kind == "ServiceAccount"}
	mounting := {account_key(sa) |
		some sa in input
		sa.kind == "ServiceAccount"
		not sa.automountServiceAccountToken == false
	}

	obj := input[_]
	pod := pod_spec(obj)
	namespace := object_namespace(obj)
	token_mounted(pod.spec, namespace, accounts, mounting)
	field := sprintf("%s.automountServiceAccountToken", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v in namespace %v: pods get a service account token mounted (automountServiceAccountToken is not false for the pod nor for service account %v)", [obj.kind, object.get(obj, ["metadata", "name"], ""), namespace, service_account_name(pod.spec)]),
		"alertScore": alert_score(obj.kind),
		"packagename": "armo_builtins",
		"fixPaths": [{"path": field, "value": "false"}],
		"failedPaths": explicit_true_paths(pod.spec, field),
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# The pod-level setting wins over the ServiceAccount.
token_mounted(spec, _, _, _) if {
	spec.automountServiceAccountToken == true
}

token_mounted(spec, namespace, accounts, mounting) if {
	not is_boolean(object.get(spec, "automountServiceAccountToken", null))
	service_account_allows_mount(spec, namespace, accounts, mounting)
}

# The pod's ServiceAccount is not in the input (Kubernetes' default applies),
# or one by its name in the input does not opt out.
service_account_allows_mount(spec, namespace, accounts, _) if {
	not [namespace, service_account_name(spec)] in accounts
}

service_account_allows_mount(spec, namespace, _, mounting) if {
	[namespace, service_account_name(spec)] in mounting
}

account_key(sa) := [object_namespace(sa), sa.metadata.name]

service_account_name(spec) := spec.serviceAccountName if {
	non_empty_string(spec.serviceAccountName)
} else := spec.serviceAccount if {
	non_empty_string(spec.serviceAccount)
} else := "default"

explicit_true_paths(spec, field) := [field] if {
	spec.automountServiceAccountToken == true
} else := []

alert_score("Pod") := 9

alert_score(kind) := 7 if kind != "Pod"

non_empty_string(s) if {
	is_string(s)
	s != ""
}

object_namespace(obj) := obj.metadata.namespace if {
	non_empty_string(obj.metadata.namespace)
} else := "default"

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
