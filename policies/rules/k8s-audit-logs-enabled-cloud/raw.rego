package armo_builtins

import rego.v1

# GKE: control-plane and workload logs are shipped only for the components
# listed in loggingConfig.componentConfig.enableComponents; none listed means
# logging is off.
deny contains msga if {
	some cluster in input
	is_cluster_describe(cluster, "container.googleapis.com/v1", "gke")
	not logs_components(cluster.data)

	msga := {
		"alertMessage": "audit logs is disabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"fixCommand": "gcloud container clusters update <cluster_name> --location=<location> --logging=SYSTEM,WORKLOAD,API_SERVER,SCHEDULER,CONTROLLER_MANAGER",
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}

# EKS: each control-plane log type must be in an enabled logSetup. The
# describe payload comes PascalCase from the AWS SDK or camelCase from the
# AWS CLI; a payload without any logging setup counts as logging off.
deny contains msga if {
	some cluster in input
	is_cluster_describe(cluster, "eks.amazonaws.com/v1", "eks")
	setups := log_setups(cluster.data)
	some log_type in ["api", "audit", "authenticator", "controllerManager", "scheduler"]
	not type_enabled(setups, log_type)

	msga := {
		"alertMessage": "audit logs is disabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"fixCommand": `aws eks update-cluster-config --region <region> --name <cluster_name> --logging '{"clusterLogging":[{"types":["api","audit","authenticator","controllerManager","scheduler"],"enabled":true}]}'`,
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}

is_cluster_describe(obj, api_version, provider) if {
	obj.apiVersion == api_version
	obj.kind == "ClusterDescribe"
	obj.metadata.provider == provider
}

# Each setup normalised to {"enabled", "types"}.
log_setups(payload) := array.concat(
	[{"enabled": s.Enabled, "types": s.Types} | some s in object.get(payload, ["Cluster", "Logging", "ClusterLogging"], [])],
	[{"enabled": s.enabled, "types": s.types} | some s in object.get(payload, ["cluster", "logging", "clusterLogging"], [])],
)

type_enabled(setups, log_type) if {
	some s in setups
	s.enabled == true
	log_type in s.types
}

logs_components(payload) if count(payload.logging_config.component_config.enable_components) > 0
