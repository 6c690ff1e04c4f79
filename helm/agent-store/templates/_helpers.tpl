{{/* Names and labels. */}}
{{- define "agent-store.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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
{{ printf "%s/%s:%s" $root.Values.image.registry $service (default $root.Chart.AppVersion $root.Values.image.tag) }}
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
  replicas, resources, secret
  env        extra environment: list of {name, value} or {name, valueFrom}
  tenants    mount the tenants file at /app/config/tenants.yaml
*/}}
{{- define "agent-store.service" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "agent-store.fullname" $root) .name | trunc 63 | trimSuffix "-" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ .replicas }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/component: {{ .component }}
      agent-store/deployment: {{ .name }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    metadata:
      labels:
        {{- include "agent-store.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
        agent-store/deployment: {{ .name }}
      annotations:
        {{- if .tenants }}
        checksum/tenants: {{ $root.Values.tenants.file | sha256sum }}
        {{- end }}
        {{- if $root.Values.metrics.podAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: "8080"
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
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: {{ .image }}
          image: {{ include "agent-store.image" (list $root .image) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          envFrom:
            - secretRef:
                name: {{ .secret }}
          env:
            - name: PORT
              value: "8080"
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
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if .tenants }}
          volumeMounts:
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
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
      {{- if .tenants }}
      volumes:
        - name: tenants
          configMap:
            name: {{ include "agent-store.tenantsConfigMap" $root }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ default "ClusterIP" .serviceType }}
  selector:
    app.kubernetes.io/instance: {{ $root.Release.Name }}
    app.kubernetes.io/component: {{ .component }}
    agent-store/deployment: {{ .name }}
  ports:
    - name: http
      port: {{ default 8080 .servicePort }}
      targetPort: http
      protocol: TCP
{{- if and $root.Values.podDisruptionBudget.enabled (gt (int .replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "agent-store.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  minAvailable: {{ $root.Values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      app.kubernetes.io/component: {{ .component }}
      agent-store/deployment: {{ .name }}
{{- end }}
{{- end -}}
