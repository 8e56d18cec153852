using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.E2E.Infrastructure;
using Portal.E2E.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>Issue 15's suite: run an integration's tool in the sandbox from its MCP tab (the simulator the test URL uses).</summary>
public sealed class McpSandboxE2ETests(PortalServer server, ITestOutputHelper output) : BrowserTest(server, output)
{
    [Fact]
    public Task A_tool_runs_in_the_sandbox_from_the_mcp_tab_and_bad_arguments_are_explained() => RunAsync(async () =>
    {
        var id = $"sbx-{Guid.NewGuid():N}"[..16];
        using (var api = await Server.ApiAsync())
        using (var created = await api.PostAsJsonAsync($"/v1/tenants/{PortalServer.Tenant}/integrations", new JsonObject
        {
            ["id"] = id,
            ["displayName"] = "Greeter",
            ["tools"] = new JsonArray(new JsonObject
            {
                ["id"] = "greet",
                ["displayName"] = "Greet",
                ["inputSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" } } },
                ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "https://greeter.example/hello/{{name}}" },
                ["simulator"] = new JsonObject { ["response"] = "Hello {{name}}!" },
            }),
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        var login = await new LoginPage(Page).OpenAsync();
        await login.SignInToHomeAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        var mcp = new McpTab(Page);
        await mcp.OpenAsync(PortalServer.Tenant, id);

        var arguments = Page.GetByLabel("Arguments (JSON object)");
        await arguments.FillAsync("{\"name\": ");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Run in sandbox" }).ClickAsync();
        await Expect(Page.GetByText("Not valid JSON")).ToBeVisibleAsync();

        await arguments.FillAsync("{\"name\": \"Ada\"}");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Run in sandbox" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status, new() { Name = "Sandbox result" })).ToHaveTextAsync("Hello Ada!");
    });
}
