using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portal.Core.Common;

namespace Portal.Hosting;

/// <summary>
/// OpenTelemetry (README "Operate it"): traces for ASP.NET Core, outbound HttpClient calls and EF Core; metrics for
/// requests, outbound calls, the runtime and the portal's own meter (<see cref="PortalMetrics"/>). Exported over OTLP
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard <c>OTEL_*</c> variables configure it), and scraped at
/// <c>/metrics</c> when <c>Portal:Metrics:Prometheus=true</c>. A webhook URL's key never reaches a span: the request
/// span's path is redacted (<see cref="SecretPaths"/>), outbound URLs keep no query values.
/// </summary>
public static class Telemetry
{
    public const string PrometheusSetting = "Portal:Metrics:Prometheus";

    /// <summary>Records traces even without OTLP (e.g. for an exporter added in code); off by default, so that an instance with nowhere to send spans does not pay for them on every request.</summary>
    public const string TracesSetting = "Portal:Telemetry:Traces";

    /// <summary>The .NET runtime's built-in meter.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    public static void AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        var prometheus = builder.Configuration.GetValue<bool>(PrometheusSetting);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var traces = otlp || builder.Configuration.GetValue<bool>(TracesSetting);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("portal"));
        if (traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o =>
                {
                    // The span is named by the route template; its path and full URL are redacted before export.
                    o.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (SecretPaths.NeedsRedaction(request.Path.Value))
                        {
                            activity.SetTag("url.path", SecretPaths.Redact(request.Path.Value ?? ""));
                            activity.SetTag("url.full", null);
                        }
                    };
                    o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/_blazor");
                })
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation());
        }

        telemetry.WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    // The runtime's own meter (.NET 9+): GC, JIT, thread pool, exceptions; e.g. dotnet.jit.compiled_methods
                    // tells a new instance still compiling its hot paths (slower, and busier) from one in its steady state.
                    .AddMeter(RuntimeMeterName)
                    .AddMeter(PortalMetrics.MeterName);
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary><c>/metrics</c> in the Prometheus text format, when enabled (anonymous, like <c>/healthz</c>: put it behind the network, not the internet).</summary>
    public static void MapPortalMetrics(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>(PrometheusSetting))
        {
            app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        }
    }
}
