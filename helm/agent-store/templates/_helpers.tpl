{{/* Names and labels. */}}
{{- define "agent-store.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
A name of at most 63 characters (a DNS label, and a label value): `name`
itself when it fits, else its first 52 characters and the first 10 hex
digits of its SHA-256, so long brand ids stay distinct.
*/}}
{{- define "agent-store.truncate" -}}
{{- if le (len .) 63 -}}
{{- . -}}
{{- else -}}
{{- printf "%s-%s" (. | trunc 52 | trimSuffix "-") (. | sha256sum | trunc 10) -}}
{{- end -}}
{{- end -}}

{{/* The name of one of the release's resources: `<fullname>-<suffix>`. */}}
{{- define "agent-store.resourceName" -}}
{{- include "agent-store.truncate" (printf "%s-%s" (include "agent-store.fullname" .root) .suffix) -}}
{{- end -}}

{{- define "agent-store.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agent-store.image" -}}
{{- $root := index . 0 -}}{{- $service := index . 1 -}}
{{- with index ($root.Values.image.digests | default dict) $service -}}
{{ printf "%s/%s@%s" $root.Values.image.registry $service . }}
{{- else -}}
{{ printf "%s/%s:%s" $root.Values.image.registry $service (default $root.Chart.AppVersion $root.Values.image.tag) }}
{{- end -}}
{{- end -}}

{{/* The tenants file's checksum: of `tenants.file`, or of the existing
ConfigMap where the chart can read it (installing against a cluster). */}}
{{- define "agent-store.tenantsChecksum" -}}
{{- if .Values.tenants.existingConfigMap -}}
{{- (lookup "v1" "ConfigMap" .Release.Namespace .Values.tenants.existingConfigMap).data | default dict | toJson | sha256sum -}}
{{- else -}}
{{- .Values.tenants.file | sha256sum -}}
{{- end -}}
{{- end -}}

{{- define "agent-store.tenantsConfigMap" -}}
{{- default (printf "%s-tenants" (include "agent-store.fullname" .)) .Values.tenants.existingConfigMap -}}
{{- end -}}

{{/*
One service: a Deployment and its Service. Called with a dict:
  root       the chart's context
  name       resource name suffix (e.g. "gateway", "seller-demo-fashion")
  component  app.kubernetes.io/component
  image      image name (the Dockerfile target)
  replicas, resources
  secret     the service's Secret, mounted at /run/secrets/agent-store
  secretKeys its keys the service reads, each passed as <KEY>_FILE
  volumes    extra volumes, each {name, secret, path, key}: mounted at
             path, its `key` file passed as <name>_FILE
  autoscaling  optional {enabled, minReplicas, maxReplicas,
             targetCPUUtilizationPercentage}: a HorizontalPodAutoscaler
             owns the replica count
  scaledBy   "keda" when a KEDA ScaledObject owns the replica count
  env        extra environment: list of {name, value} or {name, valueFrom}
  tenants    mount the tenants file at /app/config/tenants.yaml
*/}}
{{- define "agent-store.service" -}}
{{- $root := .root -}}
{{- $name := include "agent-store.resourceName" (dict "root" $root "suffix" .name) -}}
{{- $deployment := include "agent-store.truncate" .name -}}
{{- $autoscaling := .autoscaling | default dict -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- $scaled := or $autoscaling.enabled (eq (default "" .scaledBy) "keda") }}
  {{- if not $scaled }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/component: {{ .component }}
      agent-store/deployment: {{ $deployment }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    metadata:
      labels:
        {{- include "agent-store.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
        agent-store/deployment: {{ $deployment }}
      annotations:
        {{- if .tenants }}
        checksum/tenants: {{ include "agent-store.tenantsChecksum" $root }}
        {{- end }}
        {{- /* Existing Secrets are read where the chart is installed
               against a cluster (offline renders get nothing: roll with
               podAnnotations). */}}
        {{- with (lookup "v1" "Secret" $root.Release.Namespace .secret) }}
        checksum/secret: {{ .data | toJson | sha256sum }}
        {{- end }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- if $root.Values.metrics.podAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
        prometheus.io/path: /metrics
        {{- end }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      automountServiceAccountToken: false
      # Services drain in-flight work on SIGTERM (consumers, HTTP).
      terminationGracePeriodSeconds: 45
      securityContext:
        {{- include "agent-store.podSecurityContext" . | nindent 8 }}
      containers:
        - name: {{ .image }}
          image: {{ include "agent-store.image" (list $root .image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            # /metrics and /admin/*: for Prometheus and operators, never the Ingress.
            - name: operator
              containerPort: 9090
              protocol: TCP
          env:
            - name: PORT
              value: "8080"
            - name: OPERATOR_HOST
              value: "0.0.0.0"
            - name: OPERATOR_PORT
              value: "9090"
            - name: BUS_EXCHANGE
              value: {{ $root.Values.common.busExchange | quote }}
            - name: RUST_LOG
              value: {{ $root.Values.common.rustLog | quote }}
            - name: OTEL_SERVICE_NAME
              value: {{ .image | quote }}
            {{- with $root.Values.common.otlpEndpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ . | quote }}
            {{- end }}
            {{- with $root.Values.common.trustedProxies }}
            - name: TRUSTED_PROXIES
              value: {{ join "," . | quote }}
            {{- end }}
            {{- range $key, $name := dict "headerReadTimeoutMs" "HTTP_HEADER_READ_TIMEOUT_MS" "bodyReadTimeoutMs" "HTTP_BODY_READ_TIMEOUT_MS" "maxConnections" "HTTP_MAX_CONNECTIONS" "maxConnectionsPerClient" "HTTP_MAX_CONNECTIONS_PER_CLIENT" }}
            {{- if hasKey ($root.Values.common.http | default dict) $key }}
            - name: {{ $name }}
              value: {{ index $root.Values.common.http $key | toString | quote }}
            {{- end }}
            {{- end }}
            {{- range $key, $name := dict "days" "RETENTION_DAYS" "sweepMinutes" "RETENTION_SWEEP_MINUTES" }}
            {{- if hasKey ($root.Values.common.retention | default dict) $key }}
            - name: {{ $name }}
              value: {{ index $root.Values.common.retention $key | toString | quote }}
            {{- end }}
            {{- end }}
            {{- /* Secrets as files, never in the environment: each key the
                   service reads is named by <KEY>_FILE. */}}
            {{- range .secretKeys }}
            - name: {{ printf "%s_FILE" . }}
              value: {{ printf "/run/secrets/agent-store/%s" . | quote }}
            {{- end }}
            {{- range .volumes }}
            - name: {{ printf "%s_FILE" .name }}
              value: {{ printf "%s/%s" .path .key | quote }}
            {{- end }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- if $root.Values.migrations.enabled }}
            # The release's migration Job applied the migrations: only
            # check them.
            - name: DATABASE_MIGRATE
              value: verify
            {{- end }}
          volumeMounts:
            - name: secrets
              mountPath: /run/secrets/agent-store
              readOnly: true
            {{- range .volumes }}
            - name: {{ .name | lower | replace "_" "-" }}
              mountPath: {{ .path }}
              readOnly: true
            {{- end }}
            {{- if .tenants }}
            - name: tenants
              mountPath: /app/config/tenants.yaml
              subPath: tenants.yaml
              readOnly: true
            {{- end }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            failureThreshold: 2
          resources:
            {{- toYaml .resources | nindent 12 }}
          securityContext:
            {{- include "agent-store.containerSecurityContext" . | nindent 12 }}
      volumes:
        - name: secrets
          secret:
            secretName: {{ .secret }}
            defaultMode: 0440
        {{- range .volumes }}
        - name: {{ .name | lower | replace "_" "-" }}
          secret:
            secretName: {{ .secret }}
            defaultMode: 0440
        {{- end }}
        {{- if .tenants }}
        - name: tenants
          configMap:
            name: {{ include "agent-store.tenantsConfigMap" $root }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ default "ClusterIP" .serviceType }}
  selector:
    app.kubernetes.io/instance: {{ $root.Release.Name }}
    app.kubernetes.io/component: {{ .component }}
    agent-store/deployment: {{ $deployment }}
  ports:
    - name: http
      port: {{ default 8080 .servicePort }}
      targetPort: http
      protocol: TCP
    # For Prometheus and operators (kubectl port-forward), never the Ingress.
    - name: operator
      port: 9090
      targetPort: operator
      protocol: TCP
{{- if $autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $autoscaling.minReplicas }}
  maxReplicas: {{ $autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- /* A budget only where two pods or more always run: over a single one
       it would block every node drain. */ -}}
{{- $fewest := int .replicas -}}
{{- if $autoscaling.enabled }}{{ $fewest = int $autoscaling.minReplicas }}{{ else if eq (default "" .scaledBy) "keda" }}{{ $fewest = int $root.Values.keda.minReplicas }}{{ end }}
{{- if and $root.Values.podDisruptionBudget.enabled (gt $fewest 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  minAvailable: {{ $root.Values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/component: {{ .component }}
      agent-store/deployment: {{ $deployment }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy `to`/`from` peers for a list of CIDRs; none: any address. */}}
{{- define "agent-store.peers" -}}
{{- if . }}
{{- range . }}
- ipBlock: { cidr: {{ . | quote }} }
{{- end }}
{{- else }}
- ipBlock: { cidr: 0.0.0.0/0 }
- ipBlock: { cidr: "::/0" }
{{- end }}
{{- end }}

{{/* Every pod's security context: an unprivileged user, the default
seccomp profile. */}}
{{- define "agent-store.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: { type: RuntimeDefault }
{{- end }}

{{/* Every container's: no privilege escalation, a read-only root, no
capabilities. */}}
{{- define "agent-store.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
{{- end }}
