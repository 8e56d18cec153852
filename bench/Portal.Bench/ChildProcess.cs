using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portal.Bench;

/// <summary>A server the benchmark started; its output is drained (kept for diagnostics) and it is killed on dispose.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly TaskCompletionSource<string> _marker = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _markerPrefix;

    private ChildProcess(Process process, string? markerPrefix)
    {
        _process = process;
        _markerPrefix = markerPrefix;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>CPU time the process has used so far (user and kernel, all threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string Tail => string.Join(Environment.NewLine, _tail);

    public static ChildProcess Start(string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? env = null, string? markerPrefix = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, markerPrefix);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child._marker.TrySetException(new InvalidOperationException($"{fileName} exited with {process.ExitCode}:{Environment.NewLine}{child.Tail}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The rest of the first output line that starts with the marker given to <see cref="Start"/>.</summary>
    public async Task<string> WaitForMarkerAsync(TimeSpan timeout) => await _marker.Task.WaitAsync(timeout);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > 40 && _tail.TryDequeue(out _))
        {
        }

        if (_markerPrefix is not null && line.StartsWith(_markerPrefix, StringComparison.Ordinal))
        {
            _marker.TrySetResult(line[_markerPrefix.Length..].Trim());
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // exited in between
        }

        _process.Dispose();
    }
}
