package armo_builtins

import rego.v1

# GKE: the PodSecurityPolicy admission controller runs only when
# podSecurityPolicyConfig.enabled is true (GKE removed the option with
# Kubernetes 1.25).
deny contains msga if {
	some cluster in input
	cluster.apiVersion == "container.googleapis.com/v1"
	cluster.kind == "ClusterDescribe"
	cluster.metadata.provider == "gke"
	not cluster.data.pod_security_policy_config.enabled == true

	msga := {
		"alertMessage": "pod security policy configuration is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"fixCommand": "gcloud beta container clusters update <cluster_name> --enable-pod-security-policy",
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}
