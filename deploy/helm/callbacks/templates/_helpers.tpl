{{/* Names and labels. */}}
{{- define "callbacks.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "callbacks.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/part-of: callbacks
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "callbacks.selector" . }}
{{- end -}}

{{- define "callbacks.selector" -}}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Settings of one service from its name: configService, matcher or dispatcher. */}}
{{- define "callbacks.values" -}}
{{- if eq .service "config-service" }}{{ toYaml .root.Values.configService }}{{ else }}{{ toYaml (index .root.Values .service) }}{{ end -}}
{{- end -}}

{{/* Environment every service gets: NATS, logs, metrics and probes, traces. */}}
{{- define "callbacks.commonEnv" -}}
- name: NATS_URL
  value: {{ required "nats.url is required" .Values.nats.url | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: METRICS_ADDR
  value: {{ printf "0.0.0.0:%v" .Values.metricsPort | quote }}
{{- if .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlpEndpoint | quote }}
{{- end }}
{{- end -}}

{{/* Extra settings from <service>.env (plain values only: secrets belong in Secrets). */}}
{{- define "callbacks.extraEnv" -}}
{{- range $name, $value := . }}
{{- if regexMatch "TOKEN|PASSWORD|SECRET|PRIVATE|KEY_RING$|MONGO_URL" $name }}
{{- fail (printf "%s looks like a secret: give it through a Kubernetes Secret (see secrets.* in values.yaml), not as a plain value" $name) }}
{{- end }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The signing key ring, from its Secret, as files. */}}
{{- define "callbacks.signingKeysVolume" -}}
- name: signing-keys
  secret:
    secretName: {{ required "secrets.signingKeys.name is required" .Values.secrets.signingKeys.name }}
    defaultMode: 0400
{{- end -}}

{{- define "callbacks.signingKeysMount" -}}
- name: signing-keys
  mountPath: /etc/callbacks/signing-keys
  readOnly: true
{{- end -}}

{{- define "callbacks.signingKeysEnv" -}}
- name: SIGNING_KEY_RING_FILE
  value: {{ printf "/etc/callbacks/signing-keys/%s" .Values.secrets.signingKeys.ringFile | quote }}
{{- end -}}

{{/* The platform key ring (per-callback secrets), from its Secret, as files; nothing when secrets.platformKeys.name is empty. */}}
{{- define "callbacks.platformKeysVolume" -}}
{{- with .Values.secrets.platformKeys.name }}
- name: platform-keys
  secret:
    secretName: {{ . }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{- define "callbacks.platformKeysMount" -}}
{{- if .Values.secrets.platformKeys.name }}
- name: platform-keys
  mountPath: /etc/callbacks/platform-keys
  readOnly: true
{{- end }}
{{- end -}}

{{- define "callbacks.platformKeysEnv" -}}
{{- if .Values.secrets.platformKeys.name }}
- name: SECRET_KEY_RING_FILE
  value: {{ printf "/etc/callbacks/platform-keys/%s" (required "secrets.platformKeys.ringFile is required" .Values.secrets.platformKeys.ringFile) | quote }}
{{- end }}
{{- end -}}

{{/*
A service's Deployment. Arguments: root, service (its name), env (YAML list), ports (YAML list,
besides metrics), volumes and mounts (YAML lists, may be empty).
*/}}
{{- define "callbacks.deployment" -}}
{{- $root := .root -}}
{{- $v := include "callbacks.values" . | fromYaml -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "callbacks.fullname" $root }}-{{ .service }}
  labels:
    {{- include "callbacks.labels" . | nindent 4 }}
spec:
  {{- if not (or $v.autoscaling.enabled (and $v.keda $v.keda.enabled)) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "callbacks.selector" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "callbacks.labels" . | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.metricsPort | quote }}
        prometheus.io/path: /metrics
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Graceful shutdown drains in-flight work (SIGTERM); a delivery attempt may take up to the
      # dispatcher's longest timeout.
      terminationGracePeriodSeconds: 75
      containers:
        - name: {{ .service }}
          image: {{ printf "%s/%s%s:%s" $root.Values.image.registry $root.Values.image.repositoryPrefix .service $root.Values.image.tag | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            - name: metrics
              containerPort: {{ $root.Values.metricsPort }}
            {{- with .ports }}
            {{- . | nindent 12 }}
            {{- end }}
          env:
            {{- include "callbacks.commonEnv" $root | nindent 12 }}
            - name: OTEL_SERVICE_NAME
              value: {{ .service | quote }}
            {{- .env | nindent 12 }}
            {{- with $v.env }}
            {{- include "callbacks.extraEnv" . | nindent 12 }}
            {{- end }}
            {{- range $v.secretEnv }}
            - name: {{ .name }}
              valueFrom:
                secretKeyRef: { name: {{ .secret }}, key: {{ .key }} }
            {{- end }}
          # Alive while the process serves; restarted only if it stops answering.
          livenessProbe:
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          # Ready: started (database prepared, callbacks or key ring loaded, consumer bound) and
          # connected to NATS.
          readinessProbe:
            httpGet: { path: /readyz, port: metrics }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          # Start-up waits for NATS (and the config service for MongoDB) as long as it takes.
          startupProbe:
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 5
            failureThreshold: 60
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          {{- with .mounts }}
          volumeMounts:
            {{- . | nindent 12 }}
          {{- end }}
      {{- with .volumes }}
      volumes:
        {{- . | nindent 8 }}
      {{- end }}
      {{- if $root.Values.topologySpread }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "callbacks.selector" . | nindent 14 }}
      {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
