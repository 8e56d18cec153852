namespace Portal.Core.Keys;

/// <summary>
/// A secret value. <see cref="ToString"/> never prints it, so a secret that slips into a log
/// line or an interpolated message shows only its safe prefix.
/// </summary>
public sealed class Secret
{
    public Secret(string value, string displayPrefix)
    {
        Value = value;
        DisplayPrefix = displayPrefix;
    }

    /// <summary>The raw value: only for the one response that hands it out, or for hashing.</summary>
    public string Value { get; }

    /// <summary>Safe to show: the kind prefix and the first 8 characters.</summary>
    public string DisplayPrefix { get; }

    public override string ToString() => $"{DisplayPrefix}…(redacted)";
}
