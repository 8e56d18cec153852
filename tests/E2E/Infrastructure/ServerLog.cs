using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Portal.E2E.Infrastructure;

/// <summary>The app's warnings and errors, kept so a failing browser test can show what the server saw.</summary>
public sealed class ServerLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(long Sequence, string Line)> _lines = new();
    private long _sequence;

    /// <summary>A position to read from later: <see cref="Since"/>.</summary>
    public long Mark() => Interlocked.Read(ref _sequence);

    public IReadOnlyList<string> Since(long mark) => _lines.Where(l => l.Sequence > mark).Select(l => l.Line).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ServerLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $"\n    {exception.GetType().Name}: {exception.Message}")}";
            log._lines.Enqueue((Interlocked.Increment(ref log._sequence), line));
        }
    }
}
