namespace Portal.Core.SigningSecrets;

/// <summary>Body of <c>POST /signing-secrets</c>.</summary>
public sealed class SigningSecretInput
{
    public string? Name { get; set; }
}

/// <summary>A signing secret as lists show it: never the token.</summary>
public sealed record SigningSecretView
{
    public required string Name { get; init; }

    /// <summary><c>whsec_</c> and the first 8 characters: enough to tell tokens apart, useless to sign with.</summary>
    public required string? KeyPrefix { get; init; }
    public required long CreatedAt { get; init; }
    public required long? RotatedAt { get; init; }

    /// <summary>Tokens a rotation with a grace period replaced that still verify until <see cref="PreviousToken.ExpiresAt"/>.</summary>
    public IReadOnlyList<PreviousToken> PreviousTokens { get; init; } = [];
}

/// <summary>A replaced token still in its grace period: its prefix, when it stops verifying, when it last verified.</summary>
public sealed record PreviousToken(string KeyPrefix, long ExpiresAt, long? LastUsedAt);

/// <summary>The create response: the only place, with the rotate response, where a token appears.</summary>
public sealed record SigningSecretCreated
{
    public required string Name { get; init; }
    public required string Token { get; init; }
    public required long CreatedAt { get; init; }

    /// <summary>Never prints the token, should the record reach a log line or a message.</summary>
    public override string ToString() => $"SigningSecretCreated {{ Name = {Name}, Token = (redacted) }}";
}

/// <summary>The optional body of a rotate: a grace period for the previous token (0 = it stops now, the default).</summary>
public sealed record SigningSecretRotateRequest(int? GracePeriodSeconds);

/// <summary>The rotate response (seed 003's output): the new token, once.</summary>
public sealed record SigningSecretRotated
{
    public required string Name { get; init; }
    public required string Token { get; init; }
    public required long RotatedAt { get; init; }

    /// <summary>Never prints the token, should the record reach a log line or a message.</summary>
    public override string ToString() => $"SigningSecretRotated {{ Name = {Name}, Token = (redacted), RotatedAt = {RotatedAt} }}";
}
