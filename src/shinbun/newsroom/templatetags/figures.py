from django import template

from shinbun.newsroom import charts

register = template.Library()


@register.filter
def chart_table(figure) -> charts.ChartTable | None:
    """The figure's chart as rows of numbers, for the table that screen readers read in
    place of the drawing; None when there is no chart to draw."""
    return charts.chart_table(figure.chart) if figure.kind == "chart" else None
