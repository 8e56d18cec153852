using System.Text.Json.Nodes;

namespace Portal.Core.Integrations;

/// <summary>
/// A tool of an integration (DESIGN "Tool"): what an MCP client sees (id, name, description, JSON Schema input) and how
/// it is executed: an HTTP request template whose <c>{{name}}</c> placeholders come from the config's parameters and
/// the call's arguments, plus an optional simulator response for the sandbox.
/// </summary>
public sealed class IntegrationTool
{
    public string? Id { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public JsonObject? InputSchema { get; set; }
    public ToolRequest? Request { get; set; }
    public ToolSimulator? Simulator { get; set; }
}

/// <summary>The upstream request of a tool; every string may hold <c>{{name}}</c> placeholders.</summary>
public sealed class ToolRequest
{
    public string? Method { get; set; }
    public string? Url { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public string? Body { get; set; }
}

/// <summary>The sandbox's answer template (<c>{{argument}}</c> placeholders); without one the answer is generated from the input schema.</summary>
public sealed class ToolSimulator
{
    public string? Response { get; set; }
}
