using System.Text.Json.Serialization;

namespace Portal.Core.SecretScanning;

/// <summary>A secret scanning report as it arrived: the raw body (verified byte for byte) and GitHub's signature headers.</summary>
public sealed record LeakReport(Stream Body, long? ContentLength, string? KeyIdentifier, string? Signature, string? Ip);

/// <summary>One token of a report, labelled (GitHub's partner response): never the token itself, only its SHA-256.</summary>
public sealed record TokenLabel(
    [property: JsonPropertyName("token_hash")] string TokenHash,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("label")] string Label);

/// <summary>The labels GitHub's partner program uses.</summary>
public static class TokenLabels
{
    public const string TruePositive = "true_positive";
    public const string FalsePositive = "false_positive";
}

/// <summary>What a report came to: labels, or why it was refused before any token was looked at.</summary>
public abstract record LeakIntakeOutcome
{
    /// <summary>Verified and handled: one label per token, in the report's order.</summary>
    public sealed record Labelled(IReadOnlyList<TokenLabel> Labels) : LeakIntakeOutcome;

    /// <summary>Unsigned, signed by a key nobody knows, or not signed over this body: nothing was looked up or revoked.</summary>
    public sealed record Unauthorized(string Detail) : LeakIntakeOutcome;

    /// <summary>Larger than one report may be (<see cref="LeakIntakeService.MaxBodyBytes"/>, <see cref="LeakIntakeService.MaxTokens"/>).</summary>
    public sealed record TooLarge(string Detail) : LeakIntakeOutcome;
}
