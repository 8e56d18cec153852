namespace Portal.Features.Integrations;

/// <summary>
/// State the editors of one integration dialog share: JSON documents typed into a field that do not parse yet. The
/// model keeps the last good value, so the dialog refuses to save while any is left.
/// </summary>
public sealed class EditorSession
{
    private readonly Dictionary<string, string> _problems = new(StringComparer.Ordinal);

    public IEnumerable<string> LocalProblems => _problems.Values;

    public bool HasLocalProblems => _problems.Count > 0;

    public void SetLocalProblem(string key, string? problem)
    {
        if (problem is null)
        {
            _problems.Remove(key);
        }
        else
        {
            _problems[key] = problem;
        }
    }

    public void Clear() => _problems.Clear();
}
