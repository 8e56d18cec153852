namespace Portal.Core.Common;

/// <summary>
/// The version a caller expects a resource to have before it changes it (HTTP: <c>If-Match</c>). No precondition
/// (null) means last writer wins; <see cref="Any"/> only asks that the resource exists.
/// </summary>
public sealed record Precondition(bool AnyVersion, IReadOnlyList<Guid> Versions)
{
    public static readonly Precondition Any = new(true, []);

    public static Precondition Of(params Guid[] versions) => new(false, versions);

    public bool IsMetBy(Guid current) => AnyVersion || Versions.Contains(current);

    /// <summary>Null when there is no precondition or it is met; otherwise the 412 error naming what to do.</summary>
    public static Error? Check(Precondition? precondition, Guid current, string resource) =>
        precondition is null || precondition.IsMetBy(current)
            ? null
            : Error.PreconditionFailed($"The {resource} was changed since you read it (If-Match does not match its current ETag). Read it again (GET) and re-apply your change with the new ETag.");
}
