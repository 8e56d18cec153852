namespace Portal.Core.Common;

/// <summary>What kind of expected failure an operation met; mapped once to HTTP and once to the UI.</summary>
public enum ErrorKind
{
    Validation,
    NotFound,
    Conflict,
    Forbidden,
    BadRequest,
    Unprocessable,

    /// <summary>The caller asked for a precondition (HTTP: <c>If-Match</c>) and the resource no longer meets it.</summary>
    PreconditionFailed,
}

/// <summary>An expected failure: a value, not an exception.</summary>
public sealed record Error(ErrorKind Kind, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static Error NotFound(string detail) => new(ErrorKind.NotFound, detail);
    public static Error Conflict(string detail) => new(ErrorKind.Conflict, detail);
    public static Error Forbidden(string detail = "Your role in this tenant is Viewer: it can read but not change anything.") => new(ErrorKind.Forbidden, detail);
    public static Error BadRequest(string detail) => new(ErrorKind.BadRequest, detail);
    public static Error PreconditionFailed(string detail) => new(ErrorKind.PreconditionFailed, detail);
    public static Error Validation(IReadOnlyDictionary<string, string[]> errors, string detail = "One or more fields are invalid.") => new(ErrorKind.Validation, detail, errors);
    public static Error Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A one-line message for a snackbar: the detail plus the first field errors.</summary>
    public string Describe() =>
        Errors is { Count: > 0 } ? $"{Detail} {string.Join(" ", Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).Take(5))}" : Detail;
}

/// <summary>The outcome of an operation: a value or an <see cref="Error"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public Error? Error { get; }
    public bool IsSuccess => Error is null;

    public static Result<T> Ok(T value) => new(value, null);
    public static Result<T> Fail(Error error) => new(default, error);

    public static implicit operator Result<T>(T value) => Ok(value);
    public static implicit operator Result<T>(Error error) => Fail(error);
}

/// <summary>Collects field errors; the one validation rule set shared by API and UI.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>Whether <paramref name="field"/> has an error already (so a rule that depends on it says nothing more).</summary>
    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>
    /// The one rule for a display name kept in a plain column: present when <paramref name="required"/>, at most
    /// <paramref name="max"/> characters, and no control characters (a NUL cannot be stored on PostgreSQL, and none
    /// belongs in a name a person reads).
    /// </summary>
    public void CheckDisplayName(string field, string? value, int max, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"{field} is required, at most {max} characters.");
            }
        }
        else if (value.Length > max)
        {
            Add(field, $"{field} must be at most {max} characters.");
        }
        else if (value.Any(char.IsControl))
        {
            Add(field, $"{field} must not contain control characters (such as U+0000 or a line break).");
        }
    }

    public Error ToError() => Error.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
