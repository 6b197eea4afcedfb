{{/* The chart's name, or nameOverride. */}}
{{- define "cognito-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's objects (63 characters at most: a DNS label). */}}
{{- define "cognito-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cognito-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The standard labels of every object but the component (the gateway's objects and the test pod differ). */}}
{{- define "cognito-gateway.baseLabels" -}}
helm.sh/chart: {{ include "cognito-gateway.chart" . }}
app.kubernetes.io/name: {{ include "cognito-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cognito-gateway
{{- end }}

{{/* The standard labels of the gateway's objects. */}}
{{- define "cognito-gateway.labels" -}}
{{ include "cognito-gateway.baseLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* The labels that select the gateway's pods (immutable in a Deployment: keep them stable). */}}
{{- define "cognito-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cognito-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "cognito-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cognito-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository@digest, or repository:tag (the tag defaults to appVersion). */}}
{{- define "cognito-gateway.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The name of the Secret the pods read, or "" when there is none. */}}
{{- define "cognito-gateway.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else }}
{{- printf "%s-secret" (include "cognito-gateway.fullname" .) }}
{{- end }}
{{- end }}

{{/* The label that lets a client through the NetworkPolicy (the helm test pod carries it). */}}
{{- define "cognito-gateway.clientLabel" -}}
{{ include "cognito-gateway.fullname" . }}-client: "true"
{{- end }}

{{/* The shutdown timeout in seconds (GATEWAY_SHUTDOWN_TIMEOUT_SECONDS, 20 when unset, as in the gateway). */}}
{{- define "cognito-gateway.shutdownTimeout" -}}
{{- $value := index .Values.config "GATEWAY_SHUTDOWN_TIMEOUT_SECONDS" | default 20 }}
{{- $value | toString | float64 | ceil | int }}
{{- end }}

{{/* preStop sleep + shutdown timeout + 5 s for the process to exit, unless set explicitly. */}}
{{- define "cognito-gateway.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add (int .Values.lifecycle.preStopSleepSeconds) (int (include "cognito-gateway.shutdownTimeout" .)) 5 }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* A value as an environment variable's text. Helm reads numbers in values as float64, whose text would be
     1.048576e+06: whole numbers are written as integers. */}}
{{- define "cognito-gateway.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- . | int64 | toString }}
{{- else }}
{{- . | toString }}
{{- end }}
{{- end }}

{{/* The gateway refuses to start in jwt mode (the default) without an issuer and an audience: say so at install,
     not through a crash-looping pod. An existingSecret may hold them, which the chart cannot read. */}}
{{- define "cognito-gateway.checkAuth" -}}
{{- $mode := .Values.config.GATEWAY_AUTH_MODE | default "jwt" }}
{{- if and (eq $mode "jwt") (not .Values.secret.existingSecret) }}
{{- $secret := .Values.secret.values | default dict }}
{{- range $key := list "GATEWAY_JWT_ISSUER" "GATEWAY_JWT_AUDIENCE" }}
{{- if not (or (get $.Values.config $key) (get $secret $key)) }}
{{- fail (printf "GATEWAY_AUTH_MODE is jwt (the default) and %s is empty: set config.%s (e.g. --set config.GATEWAY_JWT_ISSUER=https://cognito-idp.<region>.amazonaws.com/<pool ID> --set config.GATEWAY_JWT_AUDIENCE=<app client ID>), or choose config.GATEWAY_AUTH_MODE=api-key" $key $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the pods keep the embedded SQLite database in the data directory: no PostgreSQL URL is given, in
     database.existingSecret or as GATEWAY_DATABASE_URL in the chart's own Secret. */}}
{{- define "cognito-gateway.embeddedDatabase" -}}
{{- $secret := .Values.secret.values | default dict }}
{{- $url := "" }}
{{- if not .Values.secret.existingSecret }}
{{- $url = get $secret "GATEWAY_DATABASE_URL" | default "" | toString }}
{{- end }}
{{- if not (or .Values.database.existingSecret (hasPrefix "postgresql" $url)) }}true{{- end }}
{{- end }}

{{/* The data directory's volume: "pvc" (a claim) or "emptyDir"; "" when the database is PostgreSQL. */}}
{{- define "cognito-gateway.dataVolume" -}}
{{- if include "cognito-gateway.embeddedDatabase" . }}
{{- if .Values.persistence.enabled }}pvc{{ else }}emptyDir{{ end }}
{{- end }}
{{- end }}

{{/* One SQLite file serves one pod: several pods would each keep an index of their own (searches and
     read-your-writes differing by pod), or, on one claim, share the file. Say so at install. */}}
{{- define "cognito-gateway.checkDatabase" -}}
{{- if include "cognito-gateway.embeddedDatabase" . }}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "%s pods with the embedded SQLite database: one SQLite file serves one pod. Give a PostgreSQL URL shared by every pod (database.existingSecret and database.secretKey: a Secret holding postgresql://...), or set replicaCount=1 and autoscaling.enabled=false" (ternary "autoscaled" (toString .Values.replicaCount) .Values.autoscaling.enabled)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the pods share a Redis (GATEWAY_REDIS_URL): redis.existingSecret, or GATEWAY_REDIS_URL in the chart's
     own Secret. Without it each pod keeps Cognito's quota buckets, the per-caller rate limit and the cache for
     itself. */}}
{{- define "cognito-gateway.sharedRedis" -}}
{{- $secret := .Values.secret.values | default dict }}
{{- $url := "" }}
{{- if not .Values.secret.existingSecret }}
{{- $url = get $secret "GATEWAY_REDIS_URL" | default "" | toString }}
{{- end }}
{{- if or .Values.redis.existingSecret $url }}true{{- end }}
{{- end }}

{{/* The pods the release may run at most (GATEWAY_EXPECTED_REPLICAS, 1 to 1000 as the gateway accepts):
     autoscaling.maxReplicas when the HPA owns the count, else replicaCount. Without Redis (none configured, or
     unreachable), each pod serves on 1/this of each rate. */}}
{{- define "cognito-gateway.expectedReplicas" -}}
{{- $count := ternary .Values.autoscaling.maxReplicas .Values.replicaCount .Values.autoscaling.enabled }}
{{- min 1000 (max 1 (int $count)) }}
{{- end }}
