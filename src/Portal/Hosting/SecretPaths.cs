using System.Collections;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Portal.Hosting;

/// <summary>
/// A webhook URL carries its key in the path (<c>/webhooks/{tenant}/{integration}/{key}</c>). Everything that may
/// record a path (log lines and their scopes, traces, ProblemDetails <c>instance</c>) goes through <see cref="Redact"/>.
/// </summary>
public static partial class SecretPaths
{
    public const string Placeholder = "{key}";

    [GeneratedRegex(@"(/webhooks/[^/?#""']+/[^/?#""']+/)[^/?#\s""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WebhookPath();

    // A key quoted anywhere else: keep the kind only. Display prefixes (whk_ + 8 characters) are safe and stay.
    [GeneratedRegex(@"whk_[0-9A-Za-z]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex WebhookKey();

    public static bool NeedsRedaction(string? text) =>
        text is not null && (text.Contains("/webhooks/", StringComparison.OrdinalIgnoreCase) || text.Contains("whk_", StringComparison.Ordinal));

    public static string Redact(string text) =>
        NeedsRedaction(text) ? WebhookKey().Replace(WebhookPath().Replace(text, "$1" + Placeholder), "whk_" + Placeholder) : text;

    /// <summary>Traces: the hosting activity names the path; replace it before any exporter reads it at the end of the request.</summary>
    public static IApplicationBuilder UseSecretPathRedaction(this IApplicationBuilder app) =>
        app.Use((ctx, next) =>
        {
            if (ctx.Request.Path.StartsWithSegments("/webhooks", StringComparison.OrdinalIgnoreCase) && Activity.Current is { } activity)
            {
                var redacted = Redact(ctx.Request.Path.Value ?? "");
                activity.SetTag("url.path", redacted);
                activity.SetTag("url.full", null);
                activity.DisplayName = $"{ctx.Request.Method} /webhooks/{{tenant}}/{{integration}}/{Placeholder}";
            }

            return next(ctx);
        });

    /// <summary>Wraps the logger factory so every logger, for every provider, sees redacted messages, values and scopes.</summary>
    public static IServiceCollection AddSecretPathRedaction(this IServiceCollection services)
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory))
            ?? throw new InvalidOperationException("Logging must be registered before the redaction wraps it.");
        services.Remove(original);
        services.AddSingleton<ILoggerFactory>(sp => new RedactingLoggerFactory(original switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(sp),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!),
        }));
        return services;
    }

    private sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        /// <summary>
        /// A structured scope (every request's hosting scope names its path) is redacted when a provider reads it, which
        /// is only when a line is written inside it: a request that logs nothing pays no formatting or regex for it.
        /// </summary>
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            state is IEnumerable<KeyValuePair<string, object?>> ? inner.BeginScope(new LazyRedactedScope(state))
            : RedactedState.IsNeeded(state, state.ToString()) ? inner.BeginScope(new RedactedState(state, state.ToString()))
            : inner.BeginScope(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, null);
            if (!RedactedState.IsNeeded(state, message))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, new RedactedState(state, message), exception, static (s, _) => s.ToString());
        }
    }

    /// <summary>A structured scope, redacted (once) when it is first read.</summary>
    private sealed class LazyRedactedScope(object state) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private RedactedState? _redacted;

        private RedactedState Redacted => _redacted ??= new RedactedState(state, state.ToString());

        public KeyValuePair<string, object?> this[int index] => Redacted[index];

        public int Count => Redacted.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Redacted.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Redacted.ToString();
    }

    /// <summary>A log state or scope with every string value and the message redacted; structured names are kept.</summary>
    private sealed class RedactedState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly string _message;
        private readonly List<KeyValuePair<string, object?>> _values = [];

        public RedactedState(object? state, string? message)
        {
            _message = Redact(message ?? "");
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    _values.Add(new(key, value is null or ValueType ? value : Redact(value.ToString() ?? "")));
                }
            }
        }

        public static bool IsNeeded(object? state, string? message) =>
            NeedsRedaction(message) || (state is IEnumerable<KeyValuePair<string, object?>> pairs && pairs.Any(p => p.Value is not null and not ValueType && NeedsRedaction(p.Value.ToString())));

        public KeyValuePair<string, object?> this[int index] => _values[index];

        public int Count => _values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => _message;
    }
}
