"""Score reports: the 附件2 sheet as JSON, HTML and xlsx; rankings and statistics."""
