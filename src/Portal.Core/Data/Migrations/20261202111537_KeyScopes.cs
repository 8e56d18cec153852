using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeyScopes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Scopes",
                table: "IssuedKeys",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            // Keys minted before scopes were stored get the scope their kind has always meant (2 = MCP, 4 = integration key).
            migrationBuilder.Sql("UPDATE \"IssuedKeys\" SET \"Scopes\" = 'mcp:invoke' WHERE \"Kind\" = 2;");
            migrationBuilder.Sql("UPDATE \"IssuedKeys\" SET \"Scopes\" = 'webhooks:manage' WHERE \"Kind\" = 4;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Scopes",
                table: "IssuedKeys");
        }
    }
}
