namespace Portal.Core.Common;

/// <summary>A page of a list: <c>{ items, total }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>skip/take as every list endpoint takes them: take defaults to 50, at most 500.</summary>
public readonly record struct Paging(int Skip, int Take)
{
    public const int DefaultTake = 50;
    public const int MaxTake = 500;

    public static Paging From(int? skip, int? take) =>
        new(Math.Max(0, skip ?? 0), Math.Clamp(take ?? DefaultTake, 1, MaxTake));
}
